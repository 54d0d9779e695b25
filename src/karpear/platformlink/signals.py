from django.dispatch import Signal

# Sent when the platform confirmed an event (kwargs: event). Cases and
# notices mark their decisions confirmed, without this app importing them.
webhook_delivered = Signal()
