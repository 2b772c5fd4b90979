# bash completion, where bash-completion looks for a command's script by its name.
bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = completion/msb
