"""A POSIX shell for simulated containers: dash and BusyBox ash semantics, no host access.

``lexer`` and ``parser`` turn a script into the tree of ``syntax``; ``run`` starts a shell
process, ``interp`` runs lists, pipelines and simple commands, ``compound`` the ``if``/
``case``/``for``/loops, ``expand`` the words (with ``arith`` for ``$(( ))`` and ``patterns``
for globs), ``redirect`` and ``streams`` the file descriptors, ``fs`` the container's files,
``builtins``/``utilities``/``commands`` the builtins (``testexpr`` is ``test``, ``formats``
is ``echo``/``printf``), and ``external`` the image's programs. ``flavour`` words every
message as each real shell does. Nothing here starts a process or touches the host.
"""
