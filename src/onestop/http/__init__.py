"""FastAPI glue: request dependencies, the mapping of errors to RFC 9457 problems, middleware,
health, and the fast-path installer."""
