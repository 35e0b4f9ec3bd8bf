# Production image: gunicorn serving Django (static files through whitenoise), or a Celery worker or
# beat with another command (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/app/media

WORKDIR /app
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei curl \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY livelihood ./livelihood
COPY projects ./projects
COPY supervision ./supervision
COPY core ./core
RUN pip install ".[s3]"
COPY . .
# Static files are part of the image, so a web replica on any machine has them (and whitenoise its
# manifest); the `migrate` service also copies them to the volume nginx serves from.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput
RUN useradd --create-home --uid 1000 livelihood && mkdir -p /app/media /app/staticfiles \
    && chown -R livelihood /app/media /app/staticfiles
USER livelihood
EXPOSE 8000
ENV GUNICORN_WORKERS=2
CMD ["sh", "-c", "exec gunicorn livelihood.wsgi:application --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS} --timeout 120"]
