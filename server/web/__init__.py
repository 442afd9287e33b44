"""Linked-data publishing (placeholder until the web layer lands)."""


def init_app(app):
    pass
