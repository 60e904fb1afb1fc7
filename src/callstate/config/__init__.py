"""Configuration: process settings from the environment, workspaces from YAML."""
