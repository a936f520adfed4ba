"""The ASGI app uvicorn imports (`mednec serve`); settings come from the environment."""

from __future__ import annotations

import gc
import os

from mednec.api.app import Settings, create_app
from mednec.intake.notes import warm

app = create_app(Settings(migrate=not os.environ.get("MEDNEC_SKIP_MIGRATE")))
# The note reader's pipeline (medspaCy, ~1-5 s to build) is built once per worker, here, before the
# first request, so no user waits for it; a worker without the notes extra skips it.
warm(app.state.service.runtime.catalog)
# What start-up built (policies, fact dictionary, routes, templates: ~130,000 objects) lives as
# long as the process. Frozen, the collector never walks it again: a full collection under
# load took ~40 ms (every request in the worker waited) and now takes a few.
gc.collect()
gc.freeze()
