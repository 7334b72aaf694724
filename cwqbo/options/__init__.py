"""Configuration options (spec C7): live lists, fields, validation. No Flask here.

Clients come in as arguments (or factories); the web layer in
``cwqbo.web.settings.options`` renders the tabs and stores what passes.
"""
