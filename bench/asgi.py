"""ChannelGraph's app as an import string for `uvicorn --workers N bench.asgi:app` (each worker builds it
from the environment: CHANNELGRAPH_DATABASE_URL, the runtime role's URL, and CHANNELGRAPH_JWT_SECRET)."""

import os

from gateway.app import create_app
from gateway.settings import Settings

app = create_app(Settings.from_env(), os.environ["CHANNELGRAPH_DATABASE_URL"])
