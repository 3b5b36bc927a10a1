"""Adapter node kinds (placeholder until written)."""
