"""The ASGI application: composition of settings, database, policies, authentication and the schema."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence

from starlette.applications import Starlette
from starlette.routing import Route

from gateway.authentication import AuthenticationMiddleware, Authenticator
from gateway.graphiql import GraphiQL
from gateway.graphql import GraphQLEndpoint
from gateway.health import healthz, readiness
from gateway.observability import Metrics, RequestObserver
from gateway.policies import PolicyStore
from gateway.rate_limits import TokenBuckets
from gateway.settings import Settings
from gateway.tokens import TokenService
from gateway.transfers import Transfers
from schema.compiled.reads import CompiledReads
from schema.context import Services
from schema.schema import Limits, build_schema
from tenants.database import create_engine, session_factory

log = logging.getLogger("channelgraph")


def create_app(settings: Settings, app_url: str, *, demo_logins: Sequence[Mapping[str, object]] = ()) -> Starlette:
    """The app for `settings`, connected as the runtime role at `app_url`; in development mode GraphiQL,
    offering `demo_logins` (tenant, email, audience, roles, token) one click away."""
    engine = create_engine(app_url, pool_size=settings.pool_size)
    sessions = session_factory(engine)
    tokens = TokenService(
        secret=settings.jwt_secret,
        jwks=settings.jwt_jwks,
        issuer=settings.jwt_issuer,
        ttl_seconds=settings.jwt_ttl_seconds,
    )
    policies = PolicyStore(sessions)
    services = Services(
        sessions=sessions,
        mint_token=tokens.mint,
        dev=settings.dev,
        allow_private_webhooks=settings.webhooks_allow_private,
        admit=TokenBuckets(burst=5, per_hour=10).take,  # public partner applications per client and tenant
    )
    limits = Limits(settings.max_query_depth, settings.max_query_tokens, settings.max_query_aliases)
    schema = build_schema(introspection=settings.dev, limits=limits)
    compiled = None
    if settings.compiled_reads:
        compiled = CompiledReads(
            schema, max_tokens=limits.max_tokens, max_depth=limits.max_depth, max_aliases=limits.max_aliases
        )
    graphiql = GraphiQL(demo_logins) if settings.dev else None
    endpoint = GraphQLEndpoint(schema, services, policies, compiled, max_tokens=limits.max_tokens, graphiql=graphiql)
    metrics = Metrics(engine)
    transfers = Transfers(sessions, policies)
    authenticator = Authenticator(sessions, tokens, settings.membership_cache_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await policies.load_defaults()
        yield
        await engine.dispose()

    app = Starlette(
        routes=[
            # Every method reaches the endpoint, which answers the ones GraphQL over HTTP has no use for itself.
            Route("/graphql", endpoint.handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
            Route("/imports/{entity}", transfers.upload, methods=["POST"]),
            Route("/exports/{job_id}", transfers.download, methods=["GET"]),
            Route("/healthz", healthz),
            Route("/readyz", readiness(engine)),
            *(graphiql.routes() if graphiql is not None else ()),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(AuthenticationMiddleware, authenticator=authenticator)
    # Outermost: sees every response, refusals included, and serves /metrics.
    app.add_middleware(RequestObserver, metrics=metrics, token=settings.metrics_token)
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.tokens = tokens
    app.state.compiled = compiled
    app.state.metrics = metrics
    return app
