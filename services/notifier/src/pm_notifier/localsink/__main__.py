from pm_notifier.localsink.runner import main

if __name__ == "__main__":
    main()
