"""The MCP server: the eight tools of the specification for LLM agents (``mi mcp``)."""

from mi_kernel.mcp.server import McpSession, build_server

__all__ = ["McpSession", "build_server"]
