"""The console's pages: each parses its request, calls the services, and renders a template."""
