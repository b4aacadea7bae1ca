"""The edge and composition root: settings, authentication, the HTTP app, the CLI, the embedded database."""
