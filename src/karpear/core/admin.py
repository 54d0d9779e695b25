"""The admin requires a one-time code as well as a password (django-otp)."""

from django.contrib import admin
from django_otp.admin import OTPAdminSite

admin.site.__class__ = OTPAdminSite
