"""Deployment files; Python here generates some of them (``deploy.grafana.dashboards``)."""
