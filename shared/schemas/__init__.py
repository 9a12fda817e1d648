"""Wire schemas: what crosses a service boundary."""
