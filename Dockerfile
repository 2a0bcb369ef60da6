FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CX_VAR_DIR=/app/var
WORKDIR /app
RUN useradd --create-home --uid 1000 cxhub
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
# Translations ship compiled (.mo in locale/), so the image needs no gettext.
RUN mkdir -p /app/var && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput \
 && chown -R cxhub /app/var
USER cxhub
EXPOSE 8000
CMD ["gunicorn", "cxhub.wsgi", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4"]
