from quantdesk.cli.main import main

raise SystemExit(main())
