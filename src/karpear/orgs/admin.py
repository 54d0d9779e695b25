from django.contrib import admin

from karpear.orgs.models import HelpContact, Organisation


class HelpContactInline(admin.TabularInline[HelpContact, Organisation]):
    model = HelpContact
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "slug", "domain", "is_default", "response_hours"]
    inlines = [HelpContactInline]
