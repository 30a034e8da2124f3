"""The facts quanta tell each other. Shared by sender and receiver; neither imports the other."""
