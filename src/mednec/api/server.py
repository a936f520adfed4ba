"""The ASGI app uvicorn imports (`mednec serve`); settings come from the environment."""

from __future__ import annotations

import os

from mednec.api.app import Settings, create_app

app = create_app(Settings(migrate=not os.environ.get("MEDNEC_SKIP_MIGRATE")))
