"""`python -m bench [--quick]`: the services over HTTP beside this machine's ceiling, in one table."""

from bench.served.run import main

if __name__ == "__main__":
    main()
