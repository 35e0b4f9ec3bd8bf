# Production image: gunicorn serving Django, static files through whitenoise.
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
RUN pip install ".[s3]"
COPY . .
RUN useradd --create-home --uid 1000 livelihood && mkdir -p /app/media /app/staticfiles \
    && chown -R livelihood /app/media /app/staticfiles
USER livelihood
EXPOSE 8000
CMD ["gunicorn", "livelihood.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
