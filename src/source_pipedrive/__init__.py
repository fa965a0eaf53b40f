"""source-pipedrive: an Airbyte-protocol source for Pipedrive that loses no data."""

__version__ = "0.1.0"
