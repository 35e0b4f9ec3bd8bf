"""Issue an API token for each named user and print one key per line (for integrations and
for CI's API pass). The token expires like one obtained at /api/token/ (API_TOKEN_IDLE_DAYS
idle days); only its digest is stored, so the key is shown this once."""

from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken

from projects.models import User


class Command(BaseCommand):
    help = "为指定用户签发 API 令牌，每行输出一个（供系统对接和 CI 使用）。"

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="+")

    def handle(self, *args, usernames, **options):
        for username in usernames:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"用户 {username} 不存在或已停用")
            _, key = AuthToken.objects.create(user=user)
            self.stdout.write(key)
