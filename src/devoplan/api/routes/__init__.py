"""The API's routers, one module per resource; :func:`devoplan.api.app.create_app` includes them all."""
