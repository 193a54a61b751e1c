"""AVMA Console: see and fix Automatic Virtual Machine Activation across a Hyper-V fleet."""

__version__ = "0.1.0"
