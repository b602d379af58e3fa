"""Pure keyboard builders: texts in, aiogram markup out; no I/O."""
