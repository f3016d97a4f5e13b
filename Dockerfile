# One image for the worker, the admin app and the kiosk (compose.yaml picks the command).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_NO_CACHE=1 \
    HOMEIQ_DATA_DIR=/data

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin homeiq \
    && mkdir -p /data \
    && chown homeiq:homeiq /data

WORKDIR /opt/homeiq

# Locked, hash-checked dependencies first so code changes do not reinstall them.
COPY requirements.lock ./
RUN pip install "uv==0.13.9" \
    && uv pip install --system --require-hashes -r requirements.lock \
    && python -c "import importlib.util, sys; sys.exit(1 if importlib.util.find_spec('torch') else 0)"

COPY pyproject.toml README.md ./
COPY homeiq ./homeiq
COPY storage ./storage
COPY analytics ./analytics
COPY ingest_worker ./ingest_worker
COPY app ./app
COPY pages ./pages
COPY .streamlit ./.streamlit
RUN uv pip install --system --no-deps -e .

USER homeiq
VOLUME ["/data"]
EXPOSE 8501 8502
CMD ["homeiq", "--help"]
