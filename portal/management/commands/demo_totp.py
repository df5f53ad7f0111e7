from django.core.management.base import BaseCommand, CommandError

from portal.demo import current_totp_code
from portal.models import User


class Command(BaseCommand):
    help = "Print the current two-factor code of a user enrolled by seed_demo (demo and tests only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")

    def handle(self, *args, email: str, **options) -> None:
        user = User.objects.filter(email__iexact=email).first()
        if user is None or not user.authenticator_set.filter(type="totp").exists():
            raise CommandError(f"{email} has no authenticator app enrolled.")
        self.stdout.write(current_totp_code(user))
