"""Shared test helpers: plain functions and constants here, fixtures in the conftest files.

``tests.kits.core`` (World helpers), ``tests.kits.engine`` (rooms of peers and sync),
``tests.kits.relay`` (a relay on loopback and its clients), ``tests.kits.control`` (a real
``hypertoken serve`` process, an in-process control server, a bare msgpack client),
``tests.kits.compose_yaml``.
"""
