"""`python -m bench.events [--events N]`: event delivery between services beside its ceiling, in one table."""

from bench.events.run import main

if __name__ == "__main__":
    main()
