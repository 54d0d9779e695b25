from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "karpear.referrals"
    label = "referrals"
    verbose_name = "Referrals to the police, the hotline and help services"

    def ready(self) -> None:
        # The case timeline reads referral events as sentences (cases.timeline.SENTENCES is
        # the extension point, so cases need not know this app).
        from karpear.cases.timeline import SENTENCES
        from karpear.referrals.timeline import SENTENCES as OURS

        SENTENCES.update(OURS)
