"""The order domain: plain dataclasses and rules. Imports no database or I/O library."""
