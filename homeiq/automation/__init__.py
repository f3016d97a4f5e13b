"""Deploying suggested automations to Home Assistant, shared by the CLI and the admin app.

``deployer`` (approve, edit, deploy, roll back), ``audit_log``, ``ha_facts`` (what the safety
rules need from HA), ``suggestion_config`` (reading stored suggestions). The kiosk imports
none of it.
"""
