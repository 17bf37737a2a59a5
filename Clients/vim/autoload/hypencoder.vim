" autoload/hypencoder.vim - the client of hypencoderd behind plugin/hypencoder.vim: what its
" commands, mappings and autocommand call, and what scripts use (hypencoder#status(),
" hypencoder#wait()).
"
" This file turns what the user typed and where they are into work for autoload/hypencoder/:
"   rpc.vim     the connection to the daemon's socket: requests, pending ones, cancelling
"   search.vim  searches, into the quickfix list
"   index.vim   indexing with progress and a summary; re-indexing saved files
"   ui.vim      options, messages, progress on the command line, User events
" and puts their state together for hypencoder#status(). Protocol: Docs/protocol.md.

let s:save_cpo = &cpo
set cpo&vim

" Every request goes through this file, so the handler is in place before any reply: only
" indexing asks for $/progress (its workDoneToken).
call hypencoder#rpc#on_notification('$/progress', function('hypencoder#index#on_progress'))

function! hypencoder#socket_path() abort
  return hypencoder#rpc#socket_path()
endfunction

function! s:absolute(path) abort
  let path = fnamemodify(a:path, ':p')
  let path = substitute(path, '/\+$', '', '')
  return empty(path) ? '/' : path
endfunction

" ---------------------------------------------------------------------------------------
" Search

" Where a search looks: b:/g:hypencoder_workspace if set, else the current file (the daemon
" searches the indexed workspace containing it), else the working directory.
" Returns [scope, fallback]: when the current file is in no indexed workspace, the working
" directory's is searched instead.
function! s:search_scope() abort
  let chosen = hypencoder#ui#option('workspace', '')
  if !empty(chosen)
    return [s:absolute(expand(chosen)), '']
  endif
  let cwd = s:absolute(getcwd())
  let file = expand('%:p')
  if &buftype ==# '' && !empty(file) && (filereadable(file) || isdirectory(fnamemodify(file, ':h')))
    return [file, cwd]
  endif
  return [cwd, '']
endfunction

function! hypencoder#search(query) abort
  let query = trim(a:query)
  if empty(query)
    call hypencoder#ui#error('give a query: :HypencoderSearch {query}')
    return
  endif
  let [scope, fallback] = s:search_scope()
  call hypencoder#search#start(query, scope, fallback)
endfunction

function! hypencoder#search_prompt() abort
  let query = input('Hypencoder search: ')
  if !empty(trim(query))
    call hypencoder#search(query)
  endif
endfunction

function! hypencoder#search_selection() abort
  let saved = [getreg('"'), getregtype('"')]
  try
    silent normal! gvy
    let query = join(split(getreg('"'), "\n"), ' ')
  finally
    call setreg('"', saved[0], saved[1])
  endtry
  call hypencoder#search(query)
endfunction

" ---------------------------------------------------------------------------------------
" Index

function! hypencoder#index(...) abort
  let directory = a:0 && !empty(a:1) ? expand(a:1) : getcwd()
  let root = s:absolute(directory)
  if !isdirectory(root)
    call hypencoder#ui#error('not a directory: ' . root)
    return
  endif
  call hypencoder#index#start(root)
endfunction

function! hypencoder#index_summary(result) abort
  return hypencoder#index#summary(a:result)
endfunction

" BufWritePost: re-index the file in whichever indexed workspace contains it (a file in
" none is ignored by the daemon). Silent unless something fails; never complains about a
" missing daemon.
function! hypencoder#on_write(path, buffer) abort
  if empty(a:path) || getbufvar(a:buffer, '&buftype') !=# ''
    return
  endif
  call hypencoder#index#update(a:path)
endfunction

" ---------------------------------------------------------------------------------------
" Cancel, wait, status

function! hypencoder#cancel() abort
  let ids = hypencoder#search#running_ids() + hypencoder#index#running_ids()
  if empty(ids)
    call hypencoder#ui#info('nothing to cancel')
    return
  endif
  for id in ids
    call hypencoder#rpc#cancel(id)
  endfor
  call hypencoder#ui#progress('cancelling ' . len(ids) . ' request(s)')
endfunction

" Waits until no request of this plugin is pending, at most timeout milliseconds (default
" 60000); returns 1 when none is. For scripts: :HypencoderIndex | call hypencoder#wait()
function! hypencoder#wait(...) abort
  let timeout = a:0 ? a:1 : 60000
  let start = reltime()
  while hypencoder#rpc#busy()
    if reltimefloat(reltime(start)) * 1000 > timeout
      return 0
    endif
    sleep 10m
  endwhile
  return 1
endfunction

" A copy of the plugin's state (for statuslines, scripts and tests): each file's part, and
" whether it is connected to which socket.
function! hypencoder#status() abort
  let status = hypencoder#rpc#state()
  call extend(status, hypencoder#search#state())
  call extend(status, hypencoder#index#state())
  call extend(status, hypencoder#ui#state())
  let status.connected = hypencoder#rpc#is_open()
  let status.socket_path = hypencoder#rpc#socket_path()
  return status
endfunction

function! hypencoder#show_status() abort
  let status = hypencoder#status()
  let busy = []
  if !empty(status.search)
    call add(busy, 'searching for "' . status.search.query . '"')
  endif
  for job in values(status.indexing)
    call add(busy, job.title)
  endfor
  echomsg printf('Hypencoder: %s %s; %s', status.connected ? 'connected to' : 'not connected to',
        \ status.socket_path, empty(busy) ? 'idle' : join(busy, ', '))
endfunction

let &cpo = s:save_cpo
unlet s:save_cpo
