"""``python -m kubemedic``: the same command line as the ``kubemedic`` script."""

from kubemedic.cli.app import main

main()
