"""What every database-bound Celery task shares."""

from django.db import DatabaseError, InterfaceError, OperationalError

# A database that is restarting or failing over answers with these errors; the tasks that use
# this are idempotent, so retrying later with backoff is always safe.
DATABASE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError, DatabaseError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}
