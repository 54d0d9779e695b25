from karpear.cli import main

main()
