"""Helpers shared by akd's tools."""
