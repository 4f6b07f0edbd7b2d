"""Figures of the hotline, each defined once, and the reports built from them."""
