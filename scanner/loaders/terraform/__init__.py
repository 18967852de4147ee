"""Terraform HCL loader: `.tf` files and local modules to normalized resources."""

from scanner.loaders.terraform.loader import Inventory, TerraformLoader

__all__ = ["Inventory", "TerraformLoader"]
