# One image for the four services of the distributed mode (docker-compose.yml runs it
# as `pmf serve <service>`). Versions come from constraints.txt, as in `make install`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PMF_DATA_DIR=/data

WORKDIR /app

COPY pyproject.toml constraints.txt README.md ./
COPY shared ./shared
COPY services ./services
RUN pip install -c constraints.txt . \
    && useradd --system --uid 10001 --home-dir /data --create-home pmf

USER pmf
EXPOSE 8001 8002 8003 8004
ENTRYPOINT ["pmf"]
CMD ["--help"]
