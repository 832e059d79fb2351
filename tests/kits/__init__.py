"""Shared test helpers: plain functions and constants here, fixtures in the conftest files.

``tests.kits.core`` (World helpers), ``tests.kits.engine`` (rooms of peers and sync),
``tests.kits.relay`` (a relay on loopback and its clients), ``tests.kits.compose_yaml``.
"""
