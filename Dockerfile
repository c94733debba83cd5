# fedalert container: Python 3.12 (slim), dependencies from requirements/run.lock, non-root, compiled catalogs (CJK chart font is bundled).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FEDALERT_DATA_DIR=/data \
    MPLCONFIGDIR=/tmp/matplotlib

# Chart labels use the Noto Sans CJK TC subset bundled in the package (bot/data/fonts):
# no system font package is needed for real Chinese glyphs.

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin fedalert \
    && mkdir -p /data && chown fedalert /data

WORKDIR /app
COPY requirements ./requirements
# the locked dependency tree first (its own layer, hashes checked), then the project alone
RUN pip install --require-hashes -r requirements/run.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY config ./config
# install, then compile the gettext catalogs into the installed package
RUN pip install --no-deps --no-build-isolation . \
    && cd / && python -m bot.render.i18n compile

USER fedalert
VOLUME ["/data"]
EXPOSE 8443 9108

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["fedalert", "health"]

ENTRYPOINT ["fedalert"]
CMD ["run"]
