#!/usr/bin/env python
from portal.cli import main

if __name__ == "__main__":
    main()
