# bash completion for sizemat. Source it, or install it as
# /usr/share/bash-completion/completions/sizemat (make install does).

_sizemat_projects() {
	# Tracked projects, from the daemon when it answers quickly.
	sizemat --no-start project list --json 2>/dev/null |
	    sed -n 's/^[[:space:]]*"name":[[:space:]]*"\([^"]*\)".*/\1/p'
}

_sizemat_matrices() {
	sizemat --no-start matrices --json 2>/dev/null |
	    sed -n 's/^[[:space:]]*"name":[[:space:]]*"\([^"]*\)".*/\1/p'
}

_sizemat() {
	local cur prev cmd i words
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="best bisect cancel check compare daemon diff explain export gc
	    ladder log matrices project regressions results run runs status
	    toolchains trend"
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--server|--socket|--token-file|--matrix|--toolchain|--package|\
		--bin|--example|--features|--profile|--variant|--top|--limit|--rev|--branch|--schedule|\
		--threshold|--webhook|--artifact|--metric|--since|--last|\
		--base|--head|--max-increase|--good|--bad|--status|--format)
			i=$((i + 1)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	--matrix)
		COMPREPLY=($(compgen -W "$(_sizemat_matrices)" -- "$cur"))
		compopt -o filenames 2>/dev/null
		COMPREPLY+=($(compgen -f -X '!*.json' -- "$cur"))
		return ;;
	--format)
		COMPREPLY=($(compgen -W "csv json markdown" -- "$cur"))
		return ;;
	--socket|--token-file)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--metric)
		COMPREPLY=($(compgen -W "file_size loadable_size section.text
		    section.rodata section.data post.strip post.gzip post.xz
		    post.zstd post.upx wall_ms cpu_ms" -- "$cur"))
		return ;;
	--server|--toolchain|--package|--bin|--example|--features|--profile|\
	--variant|--top|--limit|--rev|--branch|--schedule|--threshold|\
	--webhook|--artifact|--since|--last|--base|--head|--max-increase|\
	--good|--bad|--status)
		return ;;
	esac
	if [ -z "$cmd" ]; then
		case $cur in
		-*) COMPREPLY=($(compgen -W "--server --socket --token-file
		    --no-start --help --version" -- "$cur")) ;;
		*) COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
		esac
		return
	fi
	local opts="--json"
	case $cmd in
	run)	opts="--matrix --wait --quiet --toolchain --package --bin
		    --example --features --no-default-features --profile --rev --force
		    --json --csv --markdown" ;;
	results) opts="--wait --quiet --json --csv --markdown" ;;
	best|ladder|runs|matrices|status|toolchains|regressions)
		opts="--json --csv --markdown --top --limit" ;;
	explain) opts="--variant --artifact --wait --quiet --json" ;;
	diff)	opts="--top --wait --quiet --json" ;;
	gc)	opts="--wait --json" ;;
	project) opts="--branch --matrix --toolchain --schedule --threshold
		    --webhook --json" ;;
	trend)	opts="--variant --artifact --metric --since --last --json
		    --csv" ;;
	compare) opts="--variant --max-increase --json --csv --markdown" ;;
	check)	opts="--base --head --max-increase --variant --quiet --json
		    --markdown" ;;
	bisect)	opts="--good --bad --variant --artifact --threshold --wait
		    --quiet --status --json" ;;
	export)	opts="--format" ;;
	daemon)	opts="--json --quiet" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $cmd in
	daemon)
		[ "$prev" = daemon ] &&
		    COMPREPLY=($(compgen -W "status stop" -- "$cur")) ;;
	project)
		if [ "$prev" = project ]; then
			COMPREPLY=($(compgen -W "add set list show remove" \
			    -- "$cur"))
		elif [ "$prev" = show ] || [ "$prev" = remove ] ||
		    [ "$prev" = set ]; then
			COMPREPLY=($(compgen -W "$(_sizemat_projects)" \
			    -- "$cur"))
		else
			compopt -o dirnames 2>/dev/null
			COMPREPLY=($(compgen -d -- "$cur"))
		fi ;;
	trend|compare|check|regressions|bisect)
		if [ "$prev" = "$cmd" ]; then
			COMPREPLY=($(compgen -W "$(_sizemat_projects)" \
			    -- "$cur"))
		fi ;;
	run|best|export)
		if [ "$prev" = "$cmd" ]; then
			compopt -o dirnames 2>/dev/null
			COMPREPLY=($(compgen -W "$(_sizemat_projects)" \
			    -- "$cur") $(compgen -d -- "$cur"))
		fi ;;
	esac
}
complete -F _sizemat sizemat
