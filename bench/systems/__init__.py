"""The systems under load: ChannelGraph (uvicorn workers), PostGraphile 5 (Node 22) and the raw-SQL bound."""
