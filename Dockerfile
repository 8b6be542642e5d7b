# onestop service image: migrations then Uvicorn with several workers.
# Build: docker build -t onestop .   Run: docker run -e ONESTOP_DATABASE_URL=postgresql+asyncpg://... -p 8000:8000 onestop
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --upgrade pip && pip install .

FROM python:3.11-slim-bookworm AS runtime
# Fonts with every Vietnamese glyph and Pango for WeasyPrint (printed forms).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-core fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /app onestop
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ONESTOP_ENVIRONMENT=production \
    ONESTOP_WORKERS=4
USER onestop
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
ENTRYPOINT ["docker-entrypoint.sh"]
