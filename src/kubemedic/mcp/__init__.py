"""The MCP edge: kubemedic's agent tools served over the Model Context Protocol.

An entry layer beside ``cli``: it holds no logic, only the protocol. The tools themselves
live in ``services.agent_tools`` (shared with ``kubemedic ask``). Note that ``import mcp``
inside this package is an absolute import of the official SDK, not of this package.
"""
