# The boards wizfetch's firmware builds for: one folder each under boards/.
# A new board is its folder plus its name here.
set(WF_BOARDS
  nucleo_f411re
  blackpill_f411ce
)
