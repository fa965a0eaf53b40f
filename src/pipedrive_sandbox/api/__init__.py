"""The API surface: the route table of served operations, their handlers, record shapes (v1, v2), paging and
response bodies. Every served route is an operation of the official spec (`spec`); the handlers read only
the parameters the spec gate admitted.
"""
